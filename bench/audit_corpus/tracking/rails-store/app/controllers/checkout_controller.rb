class CheckoutController < ApplicationController
  def new
    @order = current_cart.build_order
  end
end
