resource "aws_s3_bucket" "exports" {
  bucket = "tallyboard-exports"
}

resource "aws_s3_bucket_lifecycle_configuration" "exports" {
  bucket = aws_s3_bucket.exports.id

  rule {
    id     = "expire-exports"
    status = "Enabled"
    filter {
      prefix = "csv/"
    }
    expiration {
      days = 7
    }
  }
}
